package org.inginious.grading.image.common;

/**
 * Why an environment cannot progress, as a condition reason and a message a person can act on.
 * Retryable problems (a registry down, a Secret not yet created) are retried with backoff;
 * the others wait for the spec or a watched object to change.
 */
public class ReconcileProblem extends Exception {
  private final String reason;
  private final boolean retryable;

  public ReconcileProblem(String reason, String message, boolean retryable) {
    super(message);
    this.reason = reason;
    this.retryable = retryable;
  }

  public String reason() {
    return reason;
  }

  public boolean retryable() {
    return retryable;
  }
}
