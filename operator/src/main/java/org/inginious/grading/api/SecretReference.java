package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretReference {
  @Required @Size(min = 1) public String name;

  public SecretReference() {}

  public SecretReference(String name) {
    this.name = name;
  }
}
