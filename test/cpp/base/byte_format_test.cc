#include "core/base/byte_format.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace leakguard {
namespace {

TEST(ByteFormat, Memwatch) {
  // memwatch's niceSize, character for character.
  EXPECT_EQ(FormatBytesMemwatch(12), "12 bytes");
  EXPECT_EQ(FormatBytesMemwatch(1024), "1024 bytes");
  EXPECT_EQ(FormatBytesMemwatch(-1024), "-1024 bytes");
  EXPECT_EQ(FormatBytesMemwatch(1025), "1 kb");
  EXPECT_EQ(FormatBytesMemwatch(2048), "2 kb");
  EXPECT_EQ(FormatBytesMemwatch(1536), "1.5 kb");
  EXPECT_EQ(FormatBytesMemwatch(168000), "164.06 kb");
  EXPECT_EQ(FormatBytesMemwatch(1024 * 1024), "1024 kb");
  EXPECT_EQ(FormatBytesMemwatch(-3 * 1024 * 1024 - 1024 * 512), "-3.5 mb");
  EXPECT_EQ(FormatBytesMemwatch(4194304), "4 mb");
  EXPECT_EQ(FormatBytesMemwatch(int64_t{5} << 30), "5120 mb");
}

TEST(ByteFormat, IecForSizes) {
  EXPECT_EQ(FormatBytesIec(0), "0 B");
  EXPECT_EQ(FormatBytesIec(1023), "1023 B");
  EXPECT_EQ(FormatBytesIec(1024), "1.00 KiB");
  EXPECT_EQ(FormatBytesIec(655360), "640 KiB");
  EXPECT_EQ(FormatBytesIec(-2048), "-2.00 KiB");
  EXPECT_EQ(FormatBytesIec(12.3 * 1024 * 1024), "12.3 MiB");
  EXPECT_EQ(FormatBytesIec(160.0 * 1024 * 1024), "160 MiB");
  EXPECT_EQ(FormatBytesIec(1.5 * 1024 * 1024 * 1024), "1.50 GiB");
  EXPECT_EQ(FormatBytesIec(2.0 * 1024 * 1024 * 1024 * 1024), "2.00 TiB");
}

TEST(ByteFormat, SiForRates) {
  EXPECT_EQ(FormatBytesSi(950), "950 B");
  EXPECT_EQ(FormatBytesSi(1000), "1.0 KB");
  EXPECT_EQ(FormatBytesSi(1234567), "1.2 MB");
  EXPECT_EQ(FormatBytesSi(-84000), "-84.0 KB");
  EXPECT_EQ(FormatBytesSi(250000), "250 KB");
}

}  // namespace
}  // namespace leakguard
