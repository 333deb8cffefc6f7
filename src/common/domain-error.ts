/**
 * An expected failure of a business rule. Services throw these without
 * knowing about HTTP; ApiExceptionFilter maps the kind to a status code.
 */
export type DomainErrorKind = 'not_found' | 'precondition_failed' | 'invalid';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
}
