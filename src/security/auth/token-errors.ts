/** A token that was sent but is not accepted: its description tells the client why (RFC 6750 error_description). */
export class TokenRejected extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'TokenRejected';
  }
}

/** The token could not be checked at all (the identity provider's key set did not answer): not the client's fault. */
export class TokenCheckUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenCheckUnavailable';
  }
}
