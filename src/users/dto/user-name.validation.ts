import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, MaxLength } from 'class-validator';
import { NAME_MAX_LENGTH } from '../user.entity';

/** A first or last name: any text up to the column's length, empty allowed, kept as typed. */
export function IsUserName(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    MaxLength(NAME_MAX_LENGTH),
    // PostgreSQL cannot store NUL in text; refuse it on every database alike.
    // eslint-disable-next-line no-control-regex -- NUL is exactly the character refused
    Matches(/^[^\u0000]*$/, { message: '$property must not contain NUL characters' }),
  );
}
