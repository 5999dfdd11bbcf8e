package org.inginious.grading.importer;

/** A Dockerfile that `docker build` would refuse too; the message names the line. */
public class DockerfileException extends Exception {
  public DockerfileException(int line, String message) {
    super("line " + line + ": " + message);
  }
}
