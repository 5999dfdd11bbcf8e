package org.inginious.grading.image.common;

/**
 * Why an environment's image cannot be obtained, as a condition reason ({@code
 * api.ConditionReasons}) and a message a person can act on. Thrown by image code, caught by the
 * reconciler, which records it in status. Retryable problems (a registry down, a Secret not yet
 * created) are retried with backoff; the others wait for the spec or a watched object to change.
 */
public class ImageProblem extends Exception {
  private final String reason;
  private final boolean retryable;

  public ImageProblem(String reason, String message, boolean retryable) {
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
