import { Transform } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { NAME_MAX_LENGTH } from '../user.entity';
import { UserPageQuery } from '../users.repository';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;

/** Query values arrive as text: anything but plain digits becomes NaN and fails IsInt. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'string' ? Number.NaN : value;

const isPresent = (_: object, value: unknown): boolean => value !== undefined;

export class ListUsersQuery {
  @ValidateIf(isPresent)
  @Transform(toInteger)
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_LIMIT}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_LIMIT}` })
  @Max(MAX_LIMIT, { message: `limit must be an integer from 1 to ${MAX_LIMIT}` })
  limit?: number;

  @ValidateIf(isPresent)
  @Transform(toInteger)
  @IsInt({ message: 'offset must be an integer of 0 or more' })
  @Min(0, { message: 'offset must be an integer of 0 or more' })
  offset?: number;

  @ValidateIf(isPresent)
  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  search?: string;

  toPageQuery(): UserPageQuery {
    return { limit: this.limit ?? DEFAULT_LIMIT, offset: this.offset ?? 0, search: this.search };
  }
}
