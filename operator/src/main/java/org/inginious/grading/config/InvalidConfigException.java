package org.inginious.grading.config;

/** A configuration problem, with a message that names the key and can be shown as is. */
public class InvalidConfigException extends RuntimeException {
  public InvalidConfigException(String message) {
    super(message);
  }
}
