package org.inginious.grading.image.registry;

import java.util.Objects;

/** A user name and password for a registry. The password never appears in {@link #toString()}. */
public record RegistryCredentials(String username, String password) {

  public RegistryCredentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }

  @Override
  public String toString() {
    // Records print every component by default; these end up in logs and status messages.
    return "RegistryCredentials[username=" + username + ", password=***]";
  }
}
