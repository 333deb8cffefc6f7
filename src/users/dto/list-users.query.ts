import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { NAME_MAX_LENGTH } from '../user.entity';
import { UserPageQuery } from '../users.repository';
import { IsQueryInteger } from './query-integer';
import { WITHOUT_NUL } from './user-name.validation';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;
/** No table here can hold more rows than a 32-bit id counts; a larger offset would only reach the driver's limits. */
export const MAX_OFFSET = 2_147_483_647;

const isPresent = (_: object, value: unknown): boolean => value !== undefined;

export class ListUsersQuery {
  @IsQueryInteger('limit', 1, MAX_LIMIT, { default: DEFAULT_LIMIT })
  limit?: number;

  @IsQueryInteger('offset', 0, MAX_OFFSET, { default: 0, description: 'How many users to skip' })
  offset?: number;

  @ApiPropertyOptional({
    type: 'string',
    maxLength: NAME_MAX_LENGTH,
    pattern: WITHOUT_NUL.source,
    description: 'Only users with this text in either name (no NUL, which no name can hold)',
  })
  @ValidateIf(isPresent)
  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  // PostgreSQL refuses NUL in a text parameter: a 400, not a database error.
  @Matches(WITHOUT_NUL, { message: 'search must not contain NUL characters' })
  search?: string;

  toPageQuery(): UserPageQuery {
    return { limit: this.limit ?? DEFAULT_LIMIT, offset: this.offset ?? 0, search: this.search };
  }
}
