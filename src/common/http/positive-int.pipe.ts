import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Parses the :id route parameter, which that must be a positive integer written in plain digits ("1", not "01", "1.0" or "1e3"). */
@Injectable()
export class ParsePositiveIntPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const parsed = Number(value);
    if (!/^[1-9]\d*$/.test(value) || !Number.isSafeInteger(parsed)) {
      throw new BadRequestException('id must be a positive integer');
    }
    return parsed;
  }
}
