import { Controller, Get, Param, Query } from '@nestjs/common';
import { ParsePositiveIntPipe } from '../common';
import { FEED_DEFAULT_LIMIT, FeedQuery, HISTORY_DEFAULT_LIMIT, HistoryQuery } from './dto/history.query';
import { toUserChangeResponse, UserChangeResponse } from './user.response';
import { UserHistoryService } from './user-history.service';

/** The change history over HTTP: one user's, and every user's as a feed. */
@Controller('api')
export class UserChangesController {
  constructor(private readonly history: UserHistoryService) {}

  /** Newest first; page back with `before` = the smallest seq received. */
  @Get('users/:id/history')
  async ofUser(@Param('id', ParsePositiveIntPipe) id: number, @Query() query: HistoryQuery): Promise<UserChangeResponse[]> {
    const changes = await this.history.ofUser(id, { limit: query.limit ?? HISTORY_DEFAULT_LIMIT, before: query.before });
    return changes.map(toUserChangeResponse);
  }

  /** In sequence order; page on with `since` = the largest seq received. */
  @Get('changes')
  async feed(@Query() query: FeedQuery): Promise<UserChangeResponse[]> {
    const changes = await this.history.feed({ since: query.since ?? 0, limit: query.limit ?? FEED_DEFAULT_LIMIT });
    return changes.map(toUserChangeResponse);
  }
}
