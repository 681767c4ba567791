// Public keys made with OpenSSH 9.2's ssh-keygen (-t ed25519, rsa -b 2048, ecdsa
// -b 256/384/521) for these tests, and what `ssh-keygen -lf` printed for each:
// an oracle independent of our base64 and SHA-256 code. Public halves only.
#pragma once

#include <array>
#include <string_view>

namespace gitgate::auth::testing {

struct TestKey {
  std::string_view line;         // as in a .pub file
  std::string_view fingerprint;  // from ssh-keygen -lf
};

inline constexpr TestKey kAliceEd25519{
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFjVNr2JwXXnJkedtuIVfzLJHUfUwbM0Vr4lZm869d5u "
    "alice@laptop",
    "SHA256:FEXUfBugu2n5G32LPRmqinExPCOF6QO+6tS041wp+6Q"};

inline constexpr TestKey kBobEd25519{
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBRFjQ25x+lwpyItSMK/5V02AK3ZUdue74C4oCjG3nD bob@desk",
    "SHA256:wN33L1T+8uyYH4cDq8EbDviyTUGreCPm6uiDWnoQQT8"};

inline constexpr TestKey kCarolRsa{
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQDkQIv/0J/kdwT7Tg2e0lJwrY5Ks/jnU3+rB1VbxrWbvJsrPz70l2sBQnZXKUeP/"
    "sb3l1q4fakir4AzTnYLLKntMp4v7MrAAYsJcFKnvMq1lF+vJLCGLa92y0XdhkqVtD+OYqiTx/"
    "SuRgsHw+1w5xDQEe2OL054KJW90rLdfMp2Fe8+G8lRzLuinsp5UYsTqvj3ZyMQ3Z89h7dg1D3xmIgL/"
    "QPsqvn3ghwWMXpQlvtZ7U1+wtbyW87n4IwWfjskQmNdeify9H5XYRnnGu49/"
    "mX60KHiMpsbTOzN5dJ03rGULKwnfT8Q7SjBtWIRo8roV3jkB0R+XwWZn8mqP/7Dy3kb carol@ci",
    "SHA256:MW3y26HSsvP0UUFdSECBvUwFrcIuw1aXtWMt91T2T9w"};

inline constexpr TestKey kDaveP256{
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEwklOj/"
    "8OOLCGaKcrwEIxsGwkfgF5U9pfubkoY4oU5T4B0Qg18gIcfpnkafFdwTX0xK6217tx+C2fVXS34FRik= dave@p256",
    "SHA256:8oUnQFoQukpNW4OUPuKxQdnHIpHQWKur7RA52NxWQ0E"};

inline constexpr TestKey kDaveP384{
    "ecdsa-sha2-nistp384 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBEppIwAwSoDcRAMydGYMsFP5lqkK1nqgsQmUHiTf/"
    "HV3Kct5yBTcxciUBwAF1fA3oy25ILFLpF60iruiUwFol4mvbTQ5fQv1MrM6hf8iBier1gok9N5iw7wV+oKu0RaDQw== "
    "dave@p384",
    "SHA256:eIVPRv6mCUmNB4cHP9CmtlWTkyTLSA+Uou/ADRdzqcg"};

inline constexpr TestKey kDaveP521{
    "ecdsa-sha2-nistp521 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAAzzEdqceGLMyCcTj2UbsB9XLvOQo/"
    "lpqagHbFabxMq6cCFenOtfaGCUDuIv2K12OFpv/rmkXSfhQrOWoKxLB46NQCkwahSTmDOS7mXtV2Jwmv2cGfv0/"
    "jjRuvHneoZ+EEyIUrMA6MJCmvtj282MxKiPGTT/dNaiHF+Va/lXBhPHeqlfA== dave@p521",
    "SHA256:T7+X1y2fU13iV2p+DpelwOHgkfins27o9yHvsHOMG20"};

inline constexpr std::array<TestKey, 6> kAllKeys{kAliceEd25519, kBobEd25519, kCarolRsa,
                                                 kDaveP256,     kDaveP384,   kDaveP521};

}  // namespace gitgate::auth::testing
