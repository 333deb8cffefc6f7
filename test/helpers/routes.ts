import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import type { TestApp } from './app';

export interface Route {
  /** `GET /api/users/:id` */
  route: string;
  /** Left out of the OpenAPI document on purpose (@ApiExcludeEndpoint / @ApiExcludeController). */
  excludedFromApiDocs: boolean;
}

/** `METHOD /path` for every route of every controller in the running app, from Nest's route metadata. */
export function routesOf(t: TestApp): string[] {
  return [...new Set(discoverRoutes(t).map(({ route }) => route))].sort();
}

/** Every route with whether the OpenAPI document leaves it out on purpose. */
export function discoverRoutes(t: TestApp): Route[] {
  const discovery = new DiscoveryService(t.app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const routes: Route[] = [];
  for (const { metatype } of discovery.getControllers()) {
    if (typeof metatype !== 'function') continue;
    const controllerExcluded =
      (Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, metatype) as unknown[] | undefined)?.[0] === true;
    const prefixes = asList<string>(Reflect.getMetadata(PATH_METADATA, metatype));
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as object;
      const paths: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const excluded =
        controllerExcluded ||
        (Reflect.getMetadata(DECORATORS.API_EXCLUDE_ENDPOINT, handler) as { disable?: boolean } | undefined)?.disable === true;
      for (const prefix of prefixes) {
        for (const path of asList<string>(paths))
          routes.push({ route: `${method} ${joinPaths(prefix, path)}`, excludedFromApiDocs: excluded });
      }
    }
  }
  return routes;
}

function joinPaths(...parts: string[]): string {
  return `/${parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;
}

function asList<T>(value: unknown): T[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}
