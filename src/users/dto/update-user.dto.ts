import { ApiSchema } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IsUserName } from './user-name.validation';
import { UserChanges } from '../users.repository';

/** Present but null is a wrong type, not "leave unchanged": only an absent field is skipped. */
const isPresent = (_: object, value: unknown): boolean => value !== undefined;

@ApiSchema({ name: 'UpdateUser', description: 'One or both names, and only those change; an empty object is refused (400)' })
export class UpdateUserDto {
  @ValidateIf(isPresent)
  @IsUserName({ required: false })
  first_name?: string;

  @ValidateIf(isPresent)
  @IsUserName({ required: false })
  last_name?: string;

  toChanges(): UserChanges {
    const changes: UserChanges = {};
    if (this.first_name !== undefined) changes.firstName = this.first_name;
    if (this.last_name !== undefined) changes.lastName = this.last_name;
    return changes;
  }
}
