import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Ids are 32-bit on PostgreSQL (SERIAL): a larger one is a 400 naming the bound, not an error from the database. */
export const MAX_ID = 2_147_483_647;

/** Parses the :id route parameter, which must be a positive integer written in plain digits ("1", not "01", "1.0" or "1e3"). */
@Injectable()
export class ParsePositiveIntPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const parsed = Number(value);
    if (!/^[1-9]\d*$/.test(value)) throw new BadRequestException('id must be a positive integer');
    if (parsed > MAX_ID) throw new BadRequestException(`id must be at most ${MAX_ID}`);
    return parsed;
  }
}
