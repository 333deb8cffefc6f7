import { Transform } from 'class-transformer';
import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';

/** Query values arrive as text: anything but plain digits becomes NaN and fails IsInt. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'string' ? Number.NaN : value;

const isPresent = (_: object, value: unknown): boolean => value !== undefined;

/**
 * An optional whole-number query parameter from `min` to `max`. Bounded, so a
 * huge value is a 400 naming it rather than an error from the database.
 * `described` adds to the API description: the value the route takes when it
 * is absent, and what the parameter means.
 */
export function IsQueryInteger(
  name: string,
  min: number,
  max: number,
  described: { default?: number; description?: string } = {},
): PropertyDecorator {
  const message = `${name} must be an integer from ${min} to ${max}`;
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: min,
      maximum: max,
      default: described.default,
      description: [described.description, 'In plain digits'].filter(Boolean).join('. '),
    }),
    ValidateIf(isPresent),
    Transform(toInteger),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
}
