import { IsQueryInteger } from './query-integer';

/** Sequence numbers are 32-bit integers on PostgreSQL. */
export const MAX_SEQ = 2_147_483_647;
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 500;
export const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_LIMIT = 1000;

/** GET /api/users/:id/history?limit=&before= */
export class HistoryQuery {
  @IsQueryInteger('limit', 1, HISTORY_MAX_LIMIT, { default: HISTORY_DEFAULT_LIMIT })
  limit?: number;

  @IsQueryInteger('before', 1, MAX_SEQ, {
    description: 'Only the changes with a smaller seq: to page back, the smallest seq received',
  })
  before?: number;
}

/** GET /api/changes?since=&limit= */
export class FeedQuery {
  @IsQueryInteger('since', 0, MAX_SEQ, {
    default: 0,
    description: 'Only the changes with a greater seq: to page on, the largest seq received',
  })
  since?: number;

  @IsQueryInteger('limit', 1, FEED_MAX_LIMIT, { default: FEED_DEFAULT_LIMIT })
  limit?: number;
}
