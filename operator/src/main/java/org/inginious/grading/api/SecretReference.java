package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretReference {
  @Required public String name;

  public SecretReference() {}

  public SecretReference(String name) {
    this.name = name;
  }
}
