import { IsQueryInteger } from './query-integer';

/** Sequence numbers are 32-bit integers on PostgreSQL. */
export const MAX_SEQ = 2_147_483_647;
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 500;
export const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_LIMIT = 1000;

/** GET /api/users/:id/history?limit=&before= */
export class HistoryQuery {
  @IsQueryInteger('limit', 1, HISTORY_MAX_LIMIT)
  limit?: number;

  @IsQueryInteger('before', 1, MAX_SEQ)
  before?: number;
}

/** GET /api/changes?since=&limit= */
export class FeedQuery {
  @IsQueryInteger('since', 0, MAX_SEQ)
  since?: number;

  @IsQueryInteger('limit', 1, FEED_MAX_LIMIT)
  limit?: number;
}
