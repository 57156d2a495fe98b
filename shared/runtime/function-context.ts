/** What Cloud Functions passes as the handler's second argument (the parts we use). */
export interface FunctionContext {
  requestId: string;
  functionName?: string;
  functionVersion?: string;
  /** Milliseconds until the function's timeout. */
  getRemainingTimeInMillis?: () => number;
}
