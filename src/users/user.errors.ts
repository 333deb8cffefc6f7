import { DomainError } from '../common';

export class UserNotFoundError extends DomainError {
  readonly kind = 'not_found';
  constructor(readonly userId: number) {
    super(`user ${userId} not found`);
  }
}

export class UserVersionMismatchError extends DomainError {
  readonly kind = 'precondition_failed';
  constructor(
    readonly userId: number,
    readonly currentVersion: number,
  ) {
    super(`version: user ${userId} is at version ${currentVersion}, not the one named in If-Match`);
  }
}
