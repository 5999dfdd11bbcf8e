package org.inginious.grading.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's table of condition reasons is the catalogue: nothing missing, nothing extra. */
class ConditionReasonsDocumentedTest {
  private static final Path README =
      Path.of(System.getProperty("project.root", ".."))
          .toAbsolutePath()
          .normalize()
          .resolve("README.md");

  static Set<String> catalogue() {
    return Arrays.stream(ConditionReasons.class.getDeclaredFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
        .map(ConditionReasonsDocumentedTest::value)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static String value(Field field) {
    try {
      return (String) field.get(null);
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theReadmeTableListsExactlyTheCatalogue() throws IOException {
    String readme = Files.readString(README);
    int start = readme.indexOf("| reason | condition |");
    assertThat(start).as("README has the table of condition reasons").isPositive();
    Set<String> documented = new TreeSet<>();
    for (String row :
        readme.substring(start).lines().skip(2).takeWhile(l -> l.startsWith("|")).toList()) {
      Matcher reason = Pattern.compile("`([A-Za-z]+)`").matcher(row.split("\\|")[1]);
      while (reason.find()) {
        documented.add(reason.group(1));
      }
    }
    assertThat(documented).isEqualTo(catalogue());
  }
}
