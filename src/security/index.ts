export { principalOf, setPrincipal } from './principal';
export type { Principal } from './principal';
export { clientAddressResolver, trustProxySetting } from './client-address';
export type { ClientAddressOf } from './client-address';
export {
  AllowAnonymous,
  AuthModule,
  authSettingsOf,
  mintToken,
  SUBJECT_MAX_LENGTH,
  TokenCheckUnavailable,
  TokenRejected,
  TokenVerifier,
} from './auth';
export type { AuthSettings, MintOptions } from './auth';
