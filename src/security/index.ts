export { principalOf, setPrincipal } from './principal';
export type { Principal } from './principal';
export { clientAddressResolver, trustProxySetting } from './client-address';
export type { ClientAddressOf } from './client-address';
