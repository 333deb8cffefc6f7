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
import type { Response } from 'express';
import { ParsePositiveIntPipe, parseVersionTags, versionEtag } from '../common';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { User } from './user.entity';
import { toUserResponse, UserResponse } from './user.response';
import { UsersService } from './users.service';
import { WriteContext } from './change-context.decorator';
import type { ChangeContext } from './users.repository';

export const USERS_PATH = 'api/users';

/** HTTP only: parses requests, sets headers, and leaves every rule to UsersService. */
@Controller(USERS_PATH)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async list(@Query() query: ListUsersQuery, @Res({ passthrough: true }) response: Response): Promise<UserResponse[]> {
    const page = await this.users.list(query.toPageQuery());
    response.setHeader('X-Total-Count', String(page.total));
    return page.items.map(toUserResponse);
  }

  @Post()
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
  async remove(@Param('id', ParsePositiveIntPipe) id: number, @WriteContext() change: ChangeContext): Promise<void> {
    await this.users.remove(id, change);
  }

  private withEtag(response: Response, user: User): UserResponse {
    response.setHeader('ETag', versionEtag(user.version));
    return toUserResponse(user);
  }
}
