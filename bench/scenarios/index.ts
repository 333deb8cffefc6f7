import type { ScenarioName } from '../lib/results';
import type { Scenario } from '../lib/scenario';
import { coldStart } from './cold-start';
import { fanout } from './fanout';
import { memory } from './memory';
import { presence } from './presence';
import { reconnect } from './reconnect';
import { throughput } from './throughput';
import { twoInstances } from './two-instances';

const ALL: Record<ScenarioName, Scenario> = {
  fanout,
  throughput,
  memory,
  'two-instances': twoInstances,
  'cold-start': coldStart,
  presence,
  reconnect,
};

export function scenarioByName(name: ScenarioName): Scenario {
  return ALL[name];
}
