"""Set or clear the immutable flag (chattr +i/-i) without e2fsprogs: FS_IOC_GETFLAGS/SETFLAGS.

python3 chattr.py PATH +i|-i   (needs CAP_LINUX_IMMUTABLE)
"""
import fcntl
import os
import struct
import sys

GET, SET, IMMUTABLE = 0x80086601, 0x40086602, 0x10

path, on = sys.argv[1], sys.argv[2] == "+i"
fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
flags = struct.unpack("l", fcntl.ioctl(fd, GET, struct.pack("l", 0)))[0]
fcntl.ioctl(fd, SET, struct.pack("l", flags | IMMUTABLE if on else flags & ~IMMUTABLE))
os.close(fd)
print(path, "immutable" if on else "mutable")
