/**
 * Preloaded into a server process (`node --require`) by the screenshot spec:
 * every date the process makes is FROZEN_CLOCK (an ISO time), so the users'
 * created_at and updated_at, and what the windows show of them, are the same
 * on every run. Dates given explicitly still parse; timers run as usual.
 */
const at = Date.parse(process.env.FROZEN_CLOCK ?? '');
if (Number.isNaN(at)) throw new Error(`FROZEN_CLOCK must be an ISO time, not ${JSON.stringify(process.env.FROZEN_CLOCK)}`);

const RealDate = Date;
globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) => Reflect.construct(target, args.length > 0 ? args : [at], newTarget),
  apply: () => new RealDate(at).toString(),
  get: (target, key, receiver) => (key === 'now' ? () => at : Reflect.get(target, key, receiver)),
});
