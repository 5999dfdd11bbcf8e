package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConfigMapReference {
  @Required public String name;

  public ConfigMapReference() {}

  public ConfigMapReference(String name) {
    this.name = name;
  }
}
