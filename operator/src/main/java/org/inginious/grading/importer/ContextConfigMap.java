package org.inginious.grading.importer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A ConfigMap the kustomization generates from files: one key per file. Text goes to {@code data},
 * other bytes to {@code binaryData} (kustomize decides by UTF-8 validity, as here).
 */
public record ContextConfigMap(String name, SortedMap<String, byte[]> files) {
  /**
   * What one ConfigMap may hold, measured as the operator measures a build ConfigMap
   * (DockerfilePlan.MAX_CONTEXT_BYTES): key length plus text bytes, or plus base64 length for
   * binary. The API server's own limit is 1 MiB; the rest is room for metadata.
   */
  static final long LIMIT = 1_000_000;

  static boolean isText(byte[] content) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(content));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  static long measure(String key, byte[] content) {
    return key.length()
        + (isText(content) ? content.length : (long) Base64.getEncoder().encode(content).length);
  }

  long size() {
    return files.entrySet().stream().mapToLong(e -> measure(e.getKey(), e.getValue())).sum();
  }

  /** Over the limit: the total and the three largest files, for a message a person can act on. */
  static String tooLarge(String what, Map<String, byte[]> files) {
    long total = files.entrySet().stream().mapToLong(e -> measure(e.getKey(), e.getValue())).sum();
    List<String> largest =
        files.entrySet().stream()
            .sorted(
                Comparator.comparingLong(
                        (Map.Entry<String, byte[]> e) -> -measure(e.getKey(), e.getValue()))
                    .thenComparing(Map.Entry::getKey))
            .limit(3)
            .map(e -> e.getKey() + " " + human(measure(e.getKey(), e.getValue())))
            .toList();
    return what
        + " takes "
        + total
        + " bytes ("
        + human(total)
        + "), over the "
        + LIMIT
        + " bytes one ConfigMap may hold (largest: "
        + String.join(", ", largest)
        + ")";
  }

  /**
   * Splits files (in key order) over as few ConfigMaps as the limit needs, never a file across two.
   *
   * @return the groups, or null when one file alone is over the limit
   */
  static List<SortedMap<String, byte[]>> pack(SortedMap<String, byte[]> files) {
    List<SortedMap<String, byte[]>> groups = new ArrayList<>();
    SortedMap<String, byte[]> current = new TreeMap<>();
    long size = 0;
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      long measure = measure(file.getKey(), file.getValue());
      if (measure > LIMIT) {
        return null;
      }
      if (size + measure > LIMIT && !current.isEmpty()) {
        groups.add(current);
        current = new TreeMap<>();
        size = 0;
      }
      current.put(file.getKey(), file.getValue());
      size += measure;
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  static String human(long bytes) {
    if (bytes >= 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
    if (bytes >= 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return bytes + " B";
  }
}
