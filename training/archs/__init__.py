from .sharpxr_arch import SharpXRLikeUNet, FixedLaplacian
from .discriminator_arch import PatchGANDiscriminator


def build_generator(opt: dict) -> SharpXRLikeUNet:
    return SharpXRLikeUNet(channels=opt["channels"], convs_per_block=opt.get("convs_per_block", 2),
                           shuffle=int(opt.get("shuffle", 1)))


def build_discriminator(opt: dict) -> PatchGANDiscriminator:
    return PatchGANDiscriminator(base=opt.get("base", 64), n_layers=opt.get("n_layers", 3),
                                 norm=opt.get("norm", "instance"), highpass=bool(opt.get("highpass", False)))
