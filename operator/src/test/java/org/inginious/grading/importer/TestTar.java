package org.inginious.grading.importer;

import java.nio.charset.StandardCharsets;

/** A minimal ustar archive with one file, so that ADD has something it would unpack. */
final class TestTar {
  private TestTar() {}

  static byte[] single(String name, String content) {
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    byte[] tar = new byte[512 + 512 + 1024];
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", data.length));
    put(header, 136, "00000000000");
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    System.arraycopy(header, 0, tar, 0, 512);
    System.arraycopy(data, 0, tar, 512, data.length);
    return tar;
  }

  private static void put(byte[] header, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
