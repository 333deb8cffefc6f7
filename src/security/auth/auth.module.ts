import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { BearerTokenMiddleware } from './bearer-token.middleware';
import { TokenVerifier } from './token-verifier';

/**
 * Opt-in bearer authentication (on when AUTH_JWT_SECRET or AUTH_JWKS_URL is
 * set): the token check on every request, the guard that refuses, and the
 * verifier the socket.io handshake uses too. Global, so realtime reaches the
 * verifier without each feature importing this module.
 */
@Global()
@Module({
  providers: [TokenVerifier, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenVerifier],
})
export class AuthModule implements NestModule {
  constructor(private readonly tokens: TokenVerifier) {}

  configure(consumer: MiddlewareConsumer): void {
    // With authentication off no token is ever read: a middleware layer on every request would only cost CPU.
    if (this.tokens.enabled) consumer.apply(BearerTokenMiddleware).forRoutes('{*path}');
  }
}
