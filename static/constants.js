// @ts-check
/*
 * Numbers the windows share with the server. The server's own copies live in
 * its TypeScript (named beside each value); test/static/constants.spec.js
 * fails when the two differ, and checks the maxlength attributes of the pages too.
 */

/** Longest first or last name (src/users/user.entity.ts NAME_MAX_LENGTH); the inputs' maxlength. */
export const NAME_MAX_LENGTH = 150;

/** Largest page of GET /api/users (src/users/dto/list-users.query.ts MAX_LIMIT): the windows list this many users. */
export const LIST_PAGE_SIZE = 500;

/** Longest X-Changed-By label the server accepts (src/users/change-context.decorator.ts CHANGED_BY_MAX_LENGTH). */
export const CHANGED_BY_MAX_LENGTH = 64;

/** How many changes the History panel lists. */
export const HISTORY_SHOWN = 10;
