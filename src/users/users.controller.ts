import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  PreconditionFailedException,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ApiErrors,
  ApiIfMatch,
  ApiIfNoneMatch,
  ApiPositiveIntParam,
  ETAG_RESPONSE_HEADER,
  ParsePositiveIntPipe,
  parseVersionTags,
  versionEtag,
} from '../common';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { User } from './user.entity';
import { toUserResponse, UserResponse } from './user.response';
import { UsersService } from './users.service';
import { ApiWriteContext, WriteContext } from './change-context.decorator';
import type { ChangeContext } from './users.repository';

export const USERS_PATH = 'api/users';

const USER_ID = (): MethodDecorator => ApiPositiveIntParam('id', 'The user id, in plain digits');
/** Refusals of a body that is not one JSON object of at most 16 KiB (common/http/json-body.ts). */
const BODY_ERRORS = [400, 413, 415];

/**
 * HTTP only: parses requests, sets headers, and leaves every rule to UsersService.
 * The decorators from @nestjs/swagger describe each route for the OpenAPI document.
 */
@ApiTags('users')
@Controller(USERS_PATH)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users, ordered by id, a page at a time' })
  @ApiOkResponse({
    type: [UserResponse],
    headers: {
      'X-Total-Count': { description: 'How many users match, over all pages', required: true, schema: { type: 'integer' } },
    },
  })
  @ApiErrors([400], { 400: 'A query parameter is malformed, out of range, unknown or repeated' })
  async list(@Query() query: ListUsersQuery, @Res({ passthrough: true }) response: Response): Promise<UserResponse[]> {
    const page = await this.users.list(query.toPageQuery());
    response.setHeader('X-Total-Count', String(page.total));
    return page.items.map(toUserResponse);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user' })
  @ApiWriteContext()
  @ApiBody({ type: CreateUserDto })
  @ApiCreatedResponse({
    type: UserResponse,
    headers: {
      Location: { description: "The new user's path", required: true, schema: { type: 'string', example: '/api/users/1' } },
      ...ETAG_RESPONSE_HEADER,
    },
  })
  @ApiErrors(BODY_ERRORS, {
    400: 'The body is not valid UTF-8 or not a JSON object of both names, a name is invalid, or X-Changed-By is',
    415: 'The body is not sent as JSON (Content-Type missing or not JSON), or declares a charset other than UTF-8',
  })
  async create(
    @Body() body: CreateUserDto,
    @WriteContext() change: ChangeContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<UserResponse> {
    const user = await this.users.create(body.toNewUser(), change);
    response.location(`/${USERS_PATH}/${user.id}`);
    return this.withEtag(response, user);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read one user' })
  @USER_ID()
  @ApiIfNoneMatch()
  @ApiOkResponse({ type: UserResponse, headers: ETAG_RESPONSE_HEADER })
  @ApiNotModifiedResponse({ description: 'If-None-Match names the current version; no body', headers: ETAG_RESPONSE_HEADER })
  @ApiErrors([400, 404], { 400: 'The id is not a positive integer in plain digits', 404: 'No such user' })
  async get(
    @Param('id', ParsePositiveIntPipe) id: number,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<UserResponse | undefined> {
    const user = await this.users.get(id);
    const known = parseVersionTags(ifNoneMatch, 'weak');
    // A malformed If-None-Match matches nothing: the full answer is always safe.
    if (known === 'any' || (Array.isArray(known) && known.includes(user.version))) {
      response.status(HttpStatus.NOT_MODIFIED).setHeader('ETag', versionEtag(user.version));
      return undefined;
    }
    return this.withEtag(response, user);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change one or both names',
    description: 'Sets only the names the body gives, and version = version + 1, in one statement.',
  })
  @USER_ID()
  @ApiIfMatch()
  @ApiWriteContext()
  @ApiBody({ type: UpdateUserDto })
  @ApiOkResponse({ type: UserResponse, headers: ETAG_RESPONSE_HEADER })
  @ApiErrors([...BODY_ERRORS, 404, 412], {
    400: 'A bad id, an invalid or unknown field, no field at all, a body that is not a JSON object, or a bad X-Changed-By',
    404: 'No such user (whatever If-Match says)',
    412: 'If-Match names no current version; the message says which is current',
    415: 'The body is not sent as JSON (Content-Type missing or not JSON), or declares a charset other than UTF-8',
  })
  async update(
    @Param('id', ParsePositiveIntPipe) id: number,
    @Body() body: UpdateUserDto,
    @Headers('if-match') ifMatch: string | undefined,
    @WriteContext() change: ChangeContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<UserResponse> {
    const changes = body.toChanges();
    if (Object.keys(changes).length === 0) {
      throw new BadRequestException('body must name first_name, last_name or both');
    }
    const expected = parseVersionTags(ifMatch, 'strong');
    // RFC 9110 13.1.1 leaves a malformed list to the server; applying the change anyway would defeat the lock.
    if (expected === 'malformed')
      throw new PreconditionFailedException('If-Match must be * or a list of quoted entity tags, such as "3"');
    const user = await this.users.update(id, changes, change, expected === 'any' ? undefined : expected);
    return this.withEtag(response, user);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a user', description: 'Its history stays readable.' })
  @USER_ID()
  @ApiWriteContext()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors([400, 404], { 400: 'A bad id or X-Changed-By', 404: 'No such user' })
  async remove(@Param('id', ParsePositiveIntPipe) id: number, @WriteContext() change: ChangeContext): Promise<void> {
    await this.users.remove(id, change);
  }

  private withEtag(response: Response, user: User): UserResponse {
    response.setHeader('ETag', versionEtag(user.version));
    return toUserResponse(user);
  }
}
