package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageSpec {
  @JsonPropertyDescription(
      "Repository builds push to, without tag or digest (registry.example.edu/inginious/env-php).")
  @Size(min = 1, max = Formats.IMAGE_MAX)
  @Pattern(Formats.IMAGE_REPOSITORY)
  public String repository;

  @JsonPropertyDescription(
      "kubernetes.io/dockerconfigjson Secret used to push (and to pull when pullSecretRef is absent).")
  public SecretReference pushSecretRef;

  @JsonPropertyDescription(
      "kubernetes.io/dockerconfigjson Secret used to pull base and prebuilt images.")
  public SecretReference pullSecretRef;

  @JsonPropertyDescription(
      "The registry speaks plain HTTP or has an untrusted certificate (labs, tests).")
  public Boolean insecure;

  public boolean isInsecure() {
    return Boolean.TRUE.equals(insecure);
  }

  /** Credentials for pulling: the pull Secret, else the push Secret. */
  public SecretReference pullCredentials() {
    return pullSecretRef != null ? pullSecretRef : pushSecretRef;
  }
}
