import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';

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

  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}
