from .ssim_loss import SSIMLoss, ssim, gaussian_window
from .perceptual_loss import PerceptualLoss, VGG19Features
from .gan_loss import GANLoss
from .n2n_loss import Neighbor2NeighborLoss, draw_pattern, neighbor_subsample
