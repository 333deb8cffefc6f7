import { Transform } from 'class-transformer';
import { applyDecorators } from '@nestjs/common';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';

/** Query values arrive as text: anything but plain digits becomes NaN and fails IsInt. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'string' ? Number.NaN : value;

const isPresent = (_: object, value: unknown): boolean => value !== undefined;

/**
 * An optional whole-number query parameter from `min` to `max`. Bounded, so a
 * huge value is a 400 naming it rather than an error from the database.
 */
export function IsQueryInteger(name: string, min: number, max: number): PropertyDecorator {
  const message = `${name} must be an integer from ${min} to ${max}`;
  return applyDecorators(
    ValidateIf(isPresent),
    Transform(toInteger),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
}
