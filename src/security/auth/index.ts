export { AllowAnonymous } from './allow-anonymous.decorator';
export { AuthModule } from './auth.module';
export { authSettingsOf } from './auth.settings';
export type { AuthSettings } from './auth.settings';
export { mintToken } from './mint-token';
export type { MintOptions } from './mint-token';
export { TokenCheckUnavailable, TokenRejected } from './token-errors';
export { SUBJECT_MAX_LENGTH, TokenVerifier } from './token-verifier';
