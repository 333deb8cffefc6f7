import { ArgumentMetadata, BadRequestException, Injectable, Type, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';

/**
 * The global validation: DTOs are whitelisted (unknown fields refused),
 * transformed, and reported one message per field. Route parameters are left
 * as the text that was sent, so their own pipes judge "01" or "1e3" rather
 * than the number the implicit conversion would make of them.
 */
@Injectable()
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype) rejectUndeclaredKeys(value, metadata.metatype);
    return super.transform(value, metadata);
  }

  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

/**
 * The whitelist misses keys that collide with Object or the DTO's own members
 * (`__proto__`, `constructor`, a method name): check the raw keys against the
 * declared properties before class-transformer sees them.
 */
function rejectUndeclaredKeys(value: unknown, metatype: Type<unknown>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const declared = declaredProperties(metatype);
  if (declared.size === 0) return;
  const unknown = Object.keys(value).filter((key) => !declared.has(key));
  if (unknown.length > 0) throw new BadRequestException(unknown.map((key) => `property ${key} should not exist`));
}

/** Decorators do not change after start-up: read each DTO's properties once, not on every request. */
const declaredByDto = new WeakMap<Type<unknown>, ReadonlySet<string>>();

function declaredProperties(metatype: Type<unknown>): ReadonlySet<string> {
  let declared = declaredByDto.get(metatype);
  if (!declared) {
    declared = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(metatype, '', true, false)
        .map((entry) => entry.propertyName),
    );
    declaredByDto.set(metatype, declared);
  }
  return declared;
}
