import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiPositiveIntParam, ParsePositiveIntPipe } from '../common';
import { FEED_DEFAULT_LIMIT, FeedQuery, HISTORY_DEFAULT_LIMIT, HistoryQuery } from './dto/history.query';
import { toUserChangeResponse, UserChangeResponse } from './user.response';
import { UserHistoryService } from './user-history.service';

/** The change history over HTTP: one user's, and every user's as a feed. */
@ApiTags('history')
@Controller('api')
export class UserChangesController {
  constructor(private readonly history: UserHistoryService) {}

  /** Newest first; page back with `before` = the smallest seq received. */
  @Get('users/:id/history')
  @ApiOperation({ summary: "One user's changes, newest first, also after its delete" })
  @ApiPositiveIntParam('id', 'The user id, in plain digits')
  @ApiOkResponse({ type: [UserChangeResponse] })
  @ApiErrors([400, 404], {
    400: 'A bad id; limit or before malformed or out of range; an unknown or repeated parameter',
    404: 'No user with that id ever existed',
  })
  async ofUser(@Param('id', ParsePositiveIntPipe) id: number, @Query() query: HistoryQuery): Promise<UserChangeResponse[]> {
    const changes = await this.history.ofUser(id, { limit: query.limit ?? HISTORY_DEFAULT_LIMIT, before: query.before });
    return changes.map(toUserChangeResponse);
  }

  /** In sequence order; page on with `since` = the largest seq received. */
  @Get('changes')
  @ApiOperation({ summary: "Every user's changes, in sequence order: a change feed" })
  @ApiOkResponse({ type: [UserChangeResponse] })
  @ApiErrors([400], { 400: 'since or limit malformed or out of range; an unknown or repeated parameter' })
  async feed(@Query() query: FeedQuery): Promise<UserChangeResponse[]> {
    const changes = await this.history.feed({ since: query.since ?? 0, limit: query.limit ?? FEED_DEFAULT_LIMIT });
    return changes.map(toUserChangeResponse);
  }
}
