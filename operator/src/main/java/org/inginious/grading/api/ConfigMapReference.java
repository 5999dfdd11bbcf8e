package org.inginious.grading.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConfigMapReference {
  @Required
  @Size(min = 1, max = Formats.DNS_SUBDOMAIN_MAX)
  @Pattern(Formats.DNS_SUBDOMAIN)
  public String name;

  public ConfigMapReference() {}

  public ConfigMapReference(String name) {
    this.name = name;
  }
}
