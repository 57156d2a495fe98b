/** What Cloud Functions passes as the handler's second argument (the parts we use). */
export interface FunctionContext {
  requestId: string;
  functionName?: string;
  functionVersion?: string;
  /** Present when the function has a service account: its IAM token for this invocation. */
  token?: { access_token: string; expires_in?: number; token_type?: string };
  /** Milliseconds until the function's timeout. */
  getRemainingTimeInMillis?: () => number;
}
