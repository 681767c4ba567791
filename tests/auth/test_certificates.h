// Certificates, CA keys and KRLs made with OpenSSH 9.2's ssh-keygen for these tests (public
// halves only), and what `ssh-keygen -L` / `ssh-keygen -Q` said about them: an oracle
// independent of gitgate's parser. Made with
//   ssh-keygen -s CA [-t rsa-sha2-256|rsa-sha2-512|ssh-rsa] [-h] -I ID -n PRINCIPALS -z SERIAL
//              -V 20260101000000Z:20360101000000Z [-O ...] USER.pub
//   ssh-keygen -k -f KRL [-s CA.pub] SPEC|KEY.pub
#pragma once

#include <string_view>

namespace gitgate::auth::testing {

// 2026-01-01T00:00:00Z and 2036-01-01T00:00:00Z: every certificate's validity.
inline constexpr uint64_t kValidAfter = 1767225600;
inline constexpr uint64_t kValidBefore = 2082758400;

inline constexpr std::string_view kCaEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPjqRqUCYCSf2gMEUewx3DoseoH4wQUB2+VtdT+Ji5dd ca_ed25"
    "519";

inline constexpr std::string_view kCaP256 =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBWP0D75yS1Vtow2"
    "1ALKZOLNBNm/c72F7zdWaa8QHQOnCB5UqOXZUum/iL2OBNJ8eW5UbfXzkRI1rLwP/1WKPwY= ca_p256";

inline constexpr std::string_view kCaP384 =
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBCPPgnYGEgn/LquA"
    "EgrnlZ9pNTYk4aII6oDvmwPlt+7dmh+YSo4K+783X0nA4pOnPcAEToZ5V3XxZFIm/xpn8zjkT/0IWmNYHEYq0ArP"
    "AD7R+TTWHlkn08aaGuG9nvLbYw== ca_p384";

inline constexpr std::string_view kCaP521 =
    "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBABXxfzGkGp0YFhN"
    "Y4mTIhO9Dffowl4Ihw6WjkhljCt+I5gxk5wUnq4JUDctbz/Yg3tGRtUjsWJvGaetTgp2v15bYAEw1y7GXRbygae0"
    "t7jjUMOlAiW2G/Aj+XmRuy1jyic/2C7lM2yqR9WotcvRI7TehvHiTYj6y/ud2yBgcXTO/oLlVQ== ca_p521";

inline constexpr std::string_view kCaRsa =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC35Y+JSiNnEHMQjbjIjWrdU1Y8OMmr0aW1r6ksuKY4UyMdm8TT"
    "oCZKSdoaGmGd0dz+/dYPTqJ32u8May52wunMfGtWof982VG0MDBNEj0cwXUH5Z+wL/uy36jcRJHCUuR4TIeCLuHW"
    "wf/8W4E2UgA1jtFOlE5B4Fz2yvQbktGm75hKDC54Bn7lVU+uNFMUe5aLdMcuj55VBBZtQocQGlod54DkRnE6uPof"
    "aXzuvmAlxNOxMQvCIkkO3BreMKuDNV4tW4jIyhRh1I+5hAS9HLtUBGsm43yIJmDQPIu6SBEa3IjLrVEIXL6yQyti"
    "7A9EOsYemP7BWJMQA/M+CvfUd0MN ca_rsa";

inline constexpr std::string_view kOtherCa =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKCYXpn8aD57DNB53rvGM5v42WL9wJgwwEBbF59K3KaO other_c"
    "a";

inline constexpr std::string_view kUserEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPgvWXSkQIOTcSuXjtDp3+YOREs0qFj1qw7rUPEUpQOT user_ed"
    "25519";

inline constexpr std::string_view kUserP256 =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJvzvvFMV2f86b25"
    "m47WIAvlJzgrpGui+608iDU+IOdXauL9y2ahOPFIPeYU0ozogtrCVuUxOjOS1aaHmHUQ9Pk= user_p256";

inline constexpr std::string_view kUserRsa =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0A7zZoCLKaIggFZg2XOpzzC0AwYVXM0pJ6uwMqtLOxTMdNQka"
    "4ocZrCQslPd/kOQrH4vLVaM91iiBRJJiTpGL7RKP4NlNm9s6pb32/5my0UXusbQfepqdH1SM7bPnsIFYBXAjBmdy"
    "9Ho/ZnRE64kzU/p6A63d4ScDCXc5fOsNPGLeiyDQDAev+YRZkaSMz6lT3as8Oe4bHzghElNXXAAg3cKRr4GROSTR"
    "RUnGW05gfFywZ74G0VLh9BqmnIkMQeEOPz2bUUL4oTOvROvmYE2ryzlHgQRbM3O0W1lljRGJm6zRPDtMIP92gS++"
    "frkjlcjbrHFYnlJP3zEtmgEXS23z user_rsa";

// -I alice@example -n alice,bob -z 42
inline constexpr std::string_view kCertEd25519ByEd25519 =
    "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIKg"
    "QvZRn0QwBQ1lqSAI7rDyZosBcr7+1U1ie2qXoFaydAAAAIPgvWXSkQIOTcSuXjtDp3+YOREs0qFj1qw7rUPEUpQO"
    "TAAAAAAAAACoAAAABAAAADWFsaWNlQGV4YW1wbGUAAAAQAAAABWFsaWNlAAAAA2JvYgAAAABpVbkAAAAAAHwkXwA"
    "AAAAAAAAAggAAABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1pdC1hZ2VudC1mb3J3YXJkaW5nAAA"
    "AAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1"
    "yYwAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACD46kalAmAkn9oDBFHsMdw6LHqB+MEFAdvlbXU/iYuXXQA"
    "AAFMAAAALc3NoLWVkMjU1MTkAAABAvXWK69LZ3Fwej2+j2IABhyGnnp1Wn0JsPl0grTcoAiujsj1+/j3S8FJLW9R"
    "fXC9xrNb2QWE6eFUBanHKPihuBg== user_ed25519";

// -I "p256 by p384" -n alice -z 7
inline constexpr std::string_view kCertP256ByP384 =
    "ecdsa-sha2-nistp256-cert-v01@openssh.com AAAAKGVjZHNhLXNoYTItbmlzdHAyNTYtY2VydC12MDFAb3B"
    "lbnNzaC5jb20AAAAgztsJSI7vndzyk3RIcCSY0JpQ5UuLS4VQzc3LmjoueyMAAAAIbmlzdHAyNTYAAABBBJvzvvF"
    "MV2f86b25m47WIAvlJzgrpGui+608iDU+IOdXauL9y2ahOPFIPeYU0ozogtrCVuUxOjOS1aaHmHUQ9PkAAAAAAAA"
    "ABwAAAAEAAAAMcDI1NiBieSBwMzg0AAAACQAAAAVhbGljZQAAAABpVbkAAAAAAHwkXwAAAAAAAAAAggAAABVwZXJ"
    "taXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9"
    "ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAAAAAAiAA"
    "AABNlY2RzYS1zaGEyLW5pc3RwMzg0AAAACG5pc3RwMzg0AAAAYQQjz4J2BhIJ/y6rgBIK55WfaTU2JOGiCOqA75s"
    "D5bfu3ZofmEqOCvu/N19JwOKTpz3ABE6GeVd18WRSJv8aZ/M45E/9CFpjWBxGKtAKzwA+0fk01h5ZJ9PGmhrhvZ7"
    "y22MAAACFAAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAABqAAAAMQD6339IE58cqKtV0wkcFac28A/Ax1Nsym3p6Bo"
    "b86yPhlg9kpWo7IDVmWFKS0R80pUAAAAxALlNKiYhv74i9iS+6WLHhm0maKYRzMnDBstfr14i3dOQRkZqpXyIg8F"
    "vVT5udfSz1Q== user_p256";

// -t rsa-sha2-512 -I "rsa by rsa 512" -n alice -z 8
inline constexpr std::string_view kCertRsaByRsa512 =
    "ssh-rsa-cert-v01@openssh.com AAAAHHNzaC1yc2EtY2VydC12MDFAb3BlbnNzaC5jb20AAAAgxhFpIuT9IdH"
    "PFd0L5oG/KnQCPrgXO5p1AvVLNE4BILcAAAADAQABAAABAQC0A7zZoCLKaIggFZg2XOpzzC0AwYVXM0pJ6uwMqtL"
    "OxTMdNQka4ocZrCQslPd/kOQrH4vLVaM91iiBRJJiTpGL7RKP4NlNm9s6pb32/5my0UXusbQfepqdH1SM7bPnsIF"
    "YBXAjBmdy9Ho/ZnRE64kzU/p6A63d4ScDCXc5fOsNPGLeiyDQDAev+YRZkaSMz6lT3as8Oe4bHzghElNXXAAg3cK"
    "Rr4GROSTRRUnGW05gfFywZ74G0VLh9BqmnIkMQeEOPz2bUUL4oTOvROvmYE2ryzlHgQRbM3O0W1lljRGJm6zRPDt"
    "MIP92gS++frkjlcjbrHFYnlJP3zEtmgEXS23zAAAAAAAAAAgAAAABAAAADnJzYSBieSByc2EgNTEyAAAACQAAAAV"
    "hbGljZQAAAABpVbkAAAAAAHwkXwAAAAAAAAAAggAAABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1"
    "pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR"
    "5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAAAAABFwAAAAdzc2gtcnNhAAAAAwEAAQAAAQEAt+WPiUojZxB"
    "zEI24yI1q3VNWPDjJq9Glta+pLLimOFMjHZvE06AmSknaGhphndHc/v3WD06id9rvDGsudsLpzHxrVqH/fNlRtDA"
    "wTRI9HMF1B+WfsC/7st+o3ESRwlLkeEyHgi7h1sH//FuBNlIANY7RTpROQeBc9sr0G5LRpu+YSgwueAZ+5VVPrjR"
    "TFHuWi3THLo+eVQQWbUKHEBpaHeeA5EZxOrj6H2l87r5gJcTTsTELwiJJDtwa3jCrgzVeLVuIyMoUYdSPuYQEvRy"
    "7VARrJuN8iCZg0DyLukgRGtyIy61RCFy+skMrYuwPRDrGHpj+wViTEAPzPgr31HdDDQAAARQAAAAMcnNhLXNoYTI"
    "tNTEyAAABAHw1kfAuT0gIOYKGX+XPdKcD+B7+1nYK6jv92i5Nqb1Vve9a7RTuhkf6CzLG+d20/2bDnhFs0eaTe9a"
    "0i56A2FaeCoi17dIzDHKPpBZRUrvOZeIjz55P/xZHc42ok11Lqo6ZsWs/+uIK5ib4vh/httIkGPvTFsZ8WHSVv/u"
    "772x+TL4n2+0G88nLKW4WjcuLN+FqwUqysmtZGfIVwMGmp/j8k5VexsrP+1j8JTxJu2KH2gOxbwWJgCveskBP1sH"
    "uBakM9ywsCvPtcnommpZdoRGdY1ybul/XbNALcdfJ5fV/91VIhHKzmtXPDcZ1lmg38euRqQiPgXAihYaGHMRqOzA"
    "= user_rsa";

// -t rsa-sha2-256 -I "ed by rsa 256" -n alice -z 9
inline constexpr std::string_view kCertEd25519ByRsa256 =
    "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIN/"
    "AVfYB8S06zLez/d9tDoDhihlxmBFydCXZCvMKqVZYAAAAIPgvWXSkQIOTcSuXjtDp3+YOREs0qFj1qw7rUPEUpQO"
    "TAAAAAAAAAAkAAAABAAAADWVkIGJ5IHJzYSAyNTYAAAAJAAAABWFsaWNlAAAAAGlVuQAAAAAAfCRfAAAAAAAAAAC"
    "CAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnB"
    "lcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAA"
    "AAAAAAAEXAAAAB3NzaC1yc2EAAAADAQABAAABAQC35Y+JSiNnEHMQjbjIjWrdU1Y8OMmr0aW1r6ksuKY4UyMdm8T"
    "ToCZKSdoaGmGd0dz+/dYPTqJ32u8May52wunMfGtWof982VG0MDBNEj0cwXUH5Z+wL/uy36jcRJHCUuR4TIeCLuH"
    "Wwf/8W4E2UgA1jtFOlE5B4Fz2yvQbktGm75hKDC54Bn7lVU+uNFMUe5aLdMcuj55VBBZtQocQGlod54DkRnE6uPo"
    "faXzuvmAlxNOxMQvCIkkO3BreMKuDNV4tW4jIyhRh1I+5hAS9HLtUBGsm43yIJmDQPIu6SBEa3IjLrVEIXL6yQyt"
    "i7A9EOsYemP7BWJMQA/M+CvfUd0MNAAABFAAAAAxyc2Etc2hhMi0yNTYAAAEAkdERBkkmZclNprtBsjJUJB4X8T6"
    "uK/Y/2T2lvqvFU0Be5NTH68eFpNqhSX4nCmXJHFmR2kq/9b8VasF8PCwVV/YJpoe2w5nTOSRW5Y4dCT4tFK6kplB"
    "9VoSFw6ak2E0d87HeRE7bTwzfnN+d7+xIJAgme3r27Fs3L2RWyg82tgOUQ+n+mwq+lOpC6E+SXcTfeldvdRtqQIJ"
    "Rmwwye5wLPxAdDhrS9NheLwo+Tre2VuFBJ+O/INrAYqDpcGf6kUzfnfwqD6PhefcxEiebp9euVbuE+sTtLK1GDh3"
    "YIpKGu0do5Hk+XLbykdTjejtuJ8Neap87dxvTlMz9HygrX1a1Uw== user_ed25519";

// -I "p521 options" -n alice -z 10 -O source-address=10.0.0.0/8,2001:db8::/32 -O
// force-command=/bin/true
inline constexpr std::string_view kCertP521ByP521Options =
    "ecdsa-sha2-nistp521-cert-v01@openssh.com AAAAKGVjZHNhLXNoYTItbmlzdHA1MjEtY2VydC12MDFAb3B"
    "lbnNzaC5jb20AAAAgRzaeZFfZIsDKCcl4yNS0J9682PRZpmLKJULrH0to0GQAAAAIbmlzdHA1MjEAAACFBAFUMkO"
    "w2Y8SBZDRi87tHk+ZDB+MgNeWkK9pPuQsj9dJd2FPLwZkS0lLCFL6b0+9jGRgu3pUVD4QzhQsnLSh3xMHwwCtqRS"
    "NINo1xThUr8tyTCpvwzbu6pr+ZWKPYQOc3Vhj9RNkcMgpVVkQE3yvs8pGrUie+HOPrPKtL6/hSpHHzoudTQAAAAA"
    "AAAAKAAAAAQAAAAxwNTIxIG9wdGlvbnMAAAAJAAAABWFsaWNlAAAAAGlVuQAAAAAAfCRfAAAAAFQAAAANZm9yY2U"
    "tY29tbWFuZAAAAA0AAAAJL2Jpbi90cnVlAAAADnNvdXJjZS1hZGRyZXNzAAAAHAAAABgxMC4wLjAuMC84LDIwMDE"
    "6ZGI4OjovMzIAAACCAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmR"
    "pbmcAAAAAAAAAFnBlcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC1"
    "1c2VyLXJjAAAAAAAAAAAAAACsAAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBABXxfzGkGp"
    "0YFhNY4mTIhO9Dffowl4Ihw6WjkhljCt+I5gxk5wUnq4JUDctbz/Yg3tGRtUjsWJvGaetTgp2v15bYAEw1y7GXRb"
    "ygae0t7jjUMOlAiW2G/Aj+XmRuy1jyic/2C7lM2yqR9WotcvRI7TehvHiTYj6y/ud2yBgcXTO/oLlVQAAAKUAAAA"
    "TZWNkc2Etc2hhMi1uaXN0cDUyMQAAAIoAAABBSpJMMXoObS9gkPc9KjMHpkwXXpaXrbGBt2lOZhpoVq5OyWkbgjb"
    "jv8Xg0mT7aZV5dRGPIg6MNcgQzTuB7wfBc4AAAABBXMVJoC3DfPwiDiwvnkdweJABY7b87uMU28SEX7Oi8miZ561"
    "1RIrWoQefYAjFyCXx2sDLQytIPgWLbRSYDSnup8U= user_p521";

// -t ssh-rsa -I sha1 -n alice -z 11
inline constexpr std::string_view kCertEd25519ByRsaSha1 =
    "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIG7"
    "2LAf03LjFFv0u7TnlpugiVj8VoikuhmII9PIAHPUNAAAAIPgvWXSkQIOTcSuXjtDp3+YOREs0qFj1qw7rUPEUpQO"
    "TAAAAAAAAAAsAAAABAAAABHNoYTEAAAAJAAAABWFsaWNlAAAAAGlVuQAAAAAAfCRfAAAAAAAAAACCAAAAFXBlcm1"
    "pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1wb3J"
    "0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAEXAAA"
    "AB3NzaC1yc2EAAAADAQABAAABAQC35Y+JSiNnEHMQjbjIjWrdU1Y8OMmr0aW1r6ksuKY4UyMdm8TToCZKSdoaGmG"
    "d0dz+/dYPTqJ32u8May52wunMfGtWof982VG0MDBNEj0cwXUH5Z+wL/uy36jcRJHCUuR4TIeCLuHWwf/8W4E2UgA"
    "1jtFOlE5B4Fz2yvQbktGm75hKDC54Bn7lVU+uNFMUe5aLdMcuj55VBBZtQocQGlod54DkRnE6uPofaXzuvmAlxNO"
    "xMQvCIkkO3BreMKuDNV4tW4jIyhRh1I+5hAS9HLtUBGsm43yIJmDQPIu6SBEa3IjLrVEIXL6yQyti7A9EOsYemP7"
    "BWJMQA/M+CvfUd0MNAAABDwAAAAdzc2gtcnNhAAABAJlCmo+0xrGL1iCN7xeuxZlv+pj0/S2BvEuqM8Qd3Hz+NAR"
    "pz9sDUhy7hYwgE7ioOlIHMjiYJIlal4yQ9jXOkVY/U2N8AkGVaK/el5r+GnPXQNdzGgJZeu1GvlsMLOXbVqepDkS"
    "KdeqJRwz/s3VfBzXYHH/c1y+f/+rveY99HepclX6k2U7znySgrsF+UVklYk6dgMHZYmVQH4m08lIjr3WJ0JqkRka"
    "62vcK6ptPgpcZbo8IXF36GIWVBD+uD42mrk0cI+f98iLi8SVpX69osAVgrvqdA1XVahZxR3yMcJow/Qf1984xiC+"
    "+T/aJyFMeaGDZ7yzTkxK2WeCFRg66gg8= user_ed25519";

// -h -I host -n host.example -z 12 (CA ca_ed25519)
inline constexpr std::string_view kCertHost =
    "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIHc"
    "hxHGqwVswhdI9fR5KXPfMyt5hVpSqz/STnWgcmM2EAAAAIPgvWXSkQIOTcSuXjtDp3+YOREs0qFj1qw7rUPEUpQO"
    "TAAAAAAAAAAwAAAACAAAABGhvc3QAAAAQAAAADGhvc3QuZXhhbXBsZQAAAABpVbkAAAAAAHwkXwAAAAAAAAAAAAA"
    "AAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIPjqRqUCYCSf2gMEUewx3DoseoH4wQUB2+VtdT+Ji5ddAAAAUwAAAAt"
    "zc2gtZWQyNTUxOQAAAEABh4t5cuwZKj+q6OLvs0Ajk3AbNEVKHRYWn7aQlFtLut/G0lHNlY8sCGUyMRe8LZt/kE7"
    "Q43V7wvuLjp8omgEL user_ed25519";

// -I "p521 by p256" -n alice (serial 0)
inline constexpr std::string_view kCertP521ByP256 =
    "ecdsa-sha2-nistp521-cert-v01@openssh.com AAAAKGVjZHNhLXNoYTItbmlzdHA1MjEtY2VydC12MDFAb3B"
    "lbnNzaC5jb20AAAAgUs3f/uHdoxxXprL+jwSyRDIX6tsNfky7tcfjLyxfFS8AAAAIbmlzdHA1MjEAAACFBAFUMkO"
    "w2Y8SBZDRi87tHk+ZDB+MgNeWkK9pPuQsj9dJd2FPLwZkS0lLCFL6b0+9jGRgu3pUVD4QzhQsnLSh3xMHwwCtqRS"
    "NINo1xThUr8tyTCpvwzbu6pr+ZWKPYQOc3Vhj9RNkcMgpVVkQE3yvs8pGrUie+HOPrPKtL6/hSpHHzoudTQAAAAA"
    "AAAAAAAAAAQAAAAxwNTIxIGJ5IHAyNTYAAAAJAAAABWFsaWNlAAAAAGlVuQAAAAAAfCRfAAAAAAAAAACCAAAAFXB"
    "lcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1"
    "wb3J0LWZvcndhcmRpbmcAAAAAAAAACnBlcm1pdC1wdHkAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAB"
    "oAAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBWP0D75yS1Vtow21ALKZOLNBNm/c72F7zd"
    "Waa8QHQOnCB5UqOXZUum/iL2OBNJ8eW5UbfXzkRI1rLwP/1WKPwYAAABjAAAAE2VjZHNhLXNoYTItbmlzdHAyNTY"
    "AAABIAAAAIDaEXZMI+e1ITbkHTKujC20QNpt+WUCt9TM0RzIT9sFXAAAAIGjFKUO70Ipg0GdlcEj0pRqACt/AHU1"
    "5AqAAXJ9KHKmQ user_p521";

// Base64 of a KRL: -s ca_ed25519.pub, "serial: 42"
inline constexpr std::string_view kKrlSerial42 =
    "U1NIS1JMCgAAAAABAAAAAAAAAAAAAAAAaxFsMgAAAAAAAAAAAAAAAAAAAAABAAAASAAAADMAAAALc3NoLWVkMjU1"
    "MTkAAAAg+OpGpQJgJJ/aAwRR7DHcOix6gfjBBQHb5W11P4mLl10AAAAAIAAAAAgAAAAAAAAAKg==";

// Base64 of a KRL: -s ca_ed25519.pub, "serial: 40-45"
inline constexpr std::string_view kKrlRange40To45 =
    "U1NIS1JMCgAAAAABAAAAAAAAAAAAAAAAaxFsMgAAAAAAAAAAAAAAAAAAAAABAAAATQAAADMAAAALc3NoLWVkMjU1"
    "MTkAAAAg+OpGpQJgJJ/aAwRR7DHcOix6gfjBBQHb5W11P4mLl10AAAAAIgAAAA0AAAAAAAAAKAAAAAE/";

// Base64 of a KRL: -s ca_ed25519.pub, serials 30 32 34 36 38 42 44 (written as a bitmap section)
inline constexpr std::string_view kKrlBitmap =
    "U1NIS1JMCgAAAAABAAAAAAAAAAAAAAAAaxFsMgAAAAAAAAAAAAAAAAAAAAABAAAATgAAADMAAAALc3NoLWVkMjU1"
    "MTkAAAAg+OpGpQJgJJ/aAwRR7DHcOix6gfjBBQHb5W11P4mLl10AAAAAIgAAAA4AAAAAAAAAHgAAAAJRVQ==";

// Base64 of a KRL: -s ca_ed25519.pub, "id: alice@example"
inline constexpr std::string_view kKrlKeyId =
    "U1NIS1JMCgAAAAABAAAAAAAAAAAAAAAAaxFsMgAAAAAAAAAAAAAAAAAAAAABAAAAUQAAADMAAAALc3NoLWVkMjU1"
    "MTkAAAAg+OpGpQJgJJ/aAwRR7DHcOix6gfjBBQHb5W11P4mLl10AAAAAIwAAABEAAAANYWxpY2VAZXhhbXBsZQ==";

// Base64 of a KRL: user_ed25519.pub (an explicit key section)
inline constexpr std::string_view kKrlUserEd25519Key =
    "U1NIS1JMCgAAAAABAAAAAAAAAAAAAAAAaxFsMgAAAAAAAAAAAAAAAAAAAAACAAAANwAAADMAAAALc3NoLWVkMjU1"
    "MTkAAAAg+C9ZdKRAg5NxK5eO0Onf5g5ESzSoWPWrDutQ8RSlA5M=";

// Base64 of a KRL: "hash: SHA256:..." of user_p256.pub
inline constexpr std::string_view kKrlUserP256Hash =
    "U1NIS1JMCgAAAAABAAAAAAAAAAAAAAAAaxFsNQAAAAAAAAAAAAAAAAAAAAAFAAAAJAAAACDLyFQz6rbY1v15ivYI"
    "NbX/O1i5KcLarJoKSK/+rYYneQ==";

// Base64 of a KRL: ca_p384.pub
inline constexpr std::string_view kKrlCaP384Key =
    "U1NIS1JMCgAAAAABAAAAAAAAAAAAAAAAaxFsMgAAAAAAAAAAAAAAAAAAAAACAAAAjAAAAIgAAAATZWNkc2Etc2hh"
    "Mi1uaXN0cDM4NAAAAAhuaXN0cDM4NAAAAGEEI8+CdgYSCf8uq4ASCueVn2k1NiThogjqgO+bA+W37t2aH5hKjgr7"
    "vzdfScDik6c9wAROhnlXdfFkUib/GmfzOORP/QhaY1gcRirQCs8APtH5NNYeWSfTxpoa4b2e8ttj";

// Base64 of a KRL: -s other_ca.pub, "serial: 42"
inline constexpr std::string_view kKrlOtherCaSerial42 =
    "U1NIS1JMCgAAAAABAAAAAAAAAAAAAAAAaxFsMgAAAAAAAAAAAAAAAAAAAAABAAAASAAAADMAAAALc3NoLWVkMjU1"
    "MTkAAAAgoJhemfxoPnsM0Hneu8Yzm/jZYv3AmDDAQFsXn0rcpo4AAAAAIAAAAAgAAAAAAAAAKg==";

}  // namespace gitgate::auth::testing
