import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { NAME_MAX_LENGTH } from '../user.entity';

// PostgreSQL cannot store NUL in text; refuse it on every database alike.
// eslint-disable-next-line no-control-regex -- NUL is exactly the character refused
export const WITHOUT_NUL = /^[^\u0000]*$/;

/** A first or last name: any text up to the column's length, empty allowed, kept as typed. */
export function IsUserName({ required = true }: { required?: boolean } = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      type: 'string',
      maxLength: NAME_MAX_LENGTH,
      pattern: WITHOUT_NUL.source,
      required,
      description: `Any text but NUL, up to ${NAME_MAX_LENGTH} characters (UTF-16 code units), kept as typed; may be empty`,
    }),
    IsString(),
    MaxLength(NAME_MAX_LENGTH),
    Matches(WITHOUT_NUL, { message: '$property must not contain NUL characters' }),
  );
}
