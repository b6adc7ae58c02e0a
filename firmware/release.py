"""THE place for what a release says about itself: `doit release` signs the application and the
bootloader with this version, and the application with this security counter (MCUboot SEC_CNT, the
anti-rollback value: raise it when an older release must no longer boot; it may stay while the version
moves on, so same-counter downgrades remain possible). The release bootloader is compiled with VERSION
and takes a bootloader update only at this version or later."""
VERSION = "1.0.0+0"        # MAJOR.MINOR.REVISION+BUILD (imgtool --version)
SECURITY_COUNTER = 1
