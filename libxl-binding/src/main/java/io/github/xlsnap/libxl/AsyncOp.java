package io.github.xlsnap.libxl;

/**
 * One asynchronous libxl operation, as {@link AsyncCall} drives it: started with a non-NULL
 * {@code libxl_asyncop_how} on the caller's thread, waited for on a worker thread, aborted from the
 * caller's thread. Package-private so that the orchestration can be tested without libxl.
 */
interface AsyncOp {
  /**
   * Calls the initiating libxl function with the operation's {@code ao_how}.
   *
   * @return its return code: 0 = started (its end is still to be awaited), else the operation never
   *     started and nothing is to be awaited
   */
  int start();

  /**
   * Blocks until libxl reports the end of the operation ({@code OPERATION_COMPLETE} for this
   * operation's token), on the worker thread; called once, only after {@link #start()} returned 0.
   *
   * @return the operation's result code ({@code u.operation_complete.rc})
   */
  int awaitCompletion();

  /**
   * Calls {@code libxl_ao_abort} for the operation, from the caller's thread, while
   * {@link #awaitCompletion()} may be blocked on the worker.
   *
   * @return libxl's code: 0 (being cut short), {@code ERROR_NOTFOUND} (already ended) or
   *     {@code ERROR_ABORTED} (already asked)
   */
  int abort();
}
