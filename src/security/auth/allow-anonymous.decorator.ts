import { SetMetadata } from '@nestjs/common';

export const ALLOW_ANONYMOUS = 'security:allow-anonymous';

/** A route (or controller) that stays open when authentication is on, e.g. the load balancer's health check. */
export const AllowAnonymous = (): MethodDecorator & ClassDecorator => SetMetadata(ALLOW_ANONYMOUS, true);
