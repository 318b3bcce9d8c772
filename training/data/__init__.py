from .image_io import read_image, list_images
from .noise import apply_noise, describe
from .xray_dataset import XRayTrainDataset, XRayValDataset
