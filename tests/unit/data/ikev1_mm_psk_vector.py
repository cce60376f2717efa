#!/usr/bin/env python3
"""Independent IKEv1 key schedule for check_ikev1_keys.c: one main mode with a pre-shared
key (SHA-1, AES-256-CBC, ECP group 19) followed by one quick mode (ESP, with and without
PFS), computed with Python's hashlib/hmac and the cryptography package straight from
RFC 2409 5, 5.5 and appendix B and RFC 5903. Private scalars, nonces and cookies are fixed
so the output is reproducible; run it and paste what it prints into the test."""
import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def prf(k, m):
    return hmac.new(k, m, hashlib.sha1).digest()


def h(m):
    return hashlib.sha1(m).digest()


def ecp(priv):
    k = ec.derive_private_key(priv, ec.SECP256R1())
    n = k.public_key().public_numbers()
    return k, n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")  # RFC 5903 7: x | y


def shared(k, ke):
    pub = ec.EllipticCurvePublicNumbers(int.from_bytes(ke[:32], "big"),
                                        int.from_bytes(ke[32:], "big"),
                                        ec.SECP256R1()).public_key()
    return k.exchange(ec.ECDH(), pub)  # the x coordinate alone (RFC 5903 errata)


def cbc(key, iv, plain):
    pad = 16 - len(plain) % 16  # 1..16, zeros then the count of those before the last
    data = plain + bytes(pad - 1) + bytes([pad - 1])
    e = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return e.update(data) + e.finalize()


def out(name, b):
    print(f"{name} {b.hex()}")


xi, gxi = ecp(0x1111111111111111111111111111111111111111111111111111111111111111)
xr, gxr = ecp(0x2222222222222222222222222222222222222222222222222222222222222222)
gxy = shared(xi, gxr)
assert gxy == shared(xr, gxi)
cky_i = bytes.fromhex("0123456789abcdef")
cky_r = bytes.fromhex("fedcba9876543210")
ni = bytes(range(0x10, 0x10 + 20))
nr = bytes(range(0xa0, 0xa0 + 24))
psk = b"ipsecd-v1-test-secret"
# SAi_b: DOI IPsec, situation identity only, one proposal of one IKE transform
sai_b = bytes.fromhex("00000001" "00000001"
                      "00000024" "01010001"
                      "0000001c" "01010000"
                      "80010007" "800e0100" "80020002" "80030001" "80040013")
idii_b = bytes.fromhex("011101f4c0a80001")
idir_b = bytes.fromhex("011101f4c0a80002")

skeyid = prf(psk, ni + nr)
skeyid_d = prf(skeyid, gxy + cky_i + cky_r + b"\x00")
skeyid_a = prf(skeyid, skeyid_d + gxy + cky_i + cky_r + b"\x01")
skeyid_e = prf(skeyid, skeyid_a + gxy + cky_i + cky_r + b"\x02")
k1 = prf(skeyid_e, b"\x00")
k2 = prf(skeyid_e, k1)
ka = (k1 + k2)[:32]
hash_i = prf(skeyid, gxi + gxr + cky_i + cky_r + sai_b + idii_b)
hash_r = prf(skeyid, gxr + gxi + cky_r + cky_i + sai_b + idir_b)
iv1 = h(gxi + gxr)[:16]

# message 5: ID (next HASH) | HASH; message 6 the same from the responder
m5 = bytes([8, 0, 0, 12]) + idii_b + bytes([0, 0, 0, 24]) + hash_i
c5 = cbc(ka, iv1, m5)
m6 = bytes([8, 0, 0, 12]) + idir_b + bytes([0, 0, 0, 24]) + hash_r
c6 = cbc(ka, c5[-16:], m6)

mid = bytes.fromhex("1a2b3c4d")
iv_qm = h(c6[-16:] + mid)[:16]
qm1_rest = bytes.fromhex("0a000010" "000000010000000100000000" "00000018") + ni
hash1 = prf(skeyid_a, mid + qm1_rest)
qm2_rest = bytes.fromhex("0a000010" "000000010000000100000000" "0000001c") + nr
hash2 = prf(skeyid_a, mid + ni + qm2_rest)
hash3 = prf(skeyid_a, b"\x00" + mid + ni + nr)
qm1 = bytes([1, 0, 0, 24]) + hash1 + qm1_rest
cq1 = cbc(ka, iv_qm, qm1)
qm2 = bytes([1, 0, 0, 24]) + hash2 + qm2_rest
cq2 = cbc(ka, cq1[-16:], qm2)

spi = bytes.fromhex("c0ffee01")
seed = b"\x03" + spi + ni + nr  # ESP
km1 = prf(skeyid_d, seed)
km2 = prf(skeyid_d, km1 + seed)
keymat = (km1 + km2)[:36]  # AES-128 key and HMAC-SHA1 key
qi, gqi = ecp(0x3333333333333333333333333333333333333333333333333333333333333333)
qr, gqr = ecp(0x4444444444444444444444444444444444444444444444444444444444444444)
gqm = shared(qi, gqr)
seedp = gqm + seed
kp1 = prf(skeyid_d, seedp)
kp2 = prf(skeyid_d, kp1 + seedp)
kp3 = prf(skeyid_d, kp2 + seedp)
keymat_pfs = (kp1 + kp2 + kp3)[:52]  # AES-256 key and HMAC-SHA1 key

for name, b in [("gxi", gxi), ("gxr", gxr), ("gxy", gxy), ("cky_i", cky_i),
                ("cky_r", cky_r), ("ni", ni), ("nr", nr), ("psk", psk), ("sai_b", sai_b),
                ("idii_b", idii_b), ("idir_b", idir_b), ("skeyid", skeyid),
                ("skeyid_d", skeyid_d), ("skeyid_a", skeyid_a), ("skeyid_e", skeyid_e),
                ("ka", ka), ("hash_i", hash_i), ("hash_r", hash_r), ("iv1", iv1),
                ("c5", c5), ("c6", c6), ("iv_qm", iv_qm), ("qm1_rest", qm1_rest),
                ("qm2_rest", qm2_rest), ("hash1", hash1), ("hash2", hash2),
                ("hash3", hash3), ("cq1", cq1), ("cq2", cq2), ("keymat", keymat),
                ("gqi", gqi), ("gqr", gqr), ("gqm", gqm), ("keymat_pfs", keymat_pfs)]:
    out(name, b)
