"""Text burnt into the pictures a person looks at (training samples, evaluation grids), made to
fit its panel: a 64 px validation crop cut "output, step 6" to "output," and "stage1" to
"stage". Tries each wording from the longest, shrinking the font down to a legible floor."""
import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
MARGIN = 6
MIN_SCALE = 0.3


def fit_label(texts, width: int, scale: float):
    """The first of `texts` (longest wording first) that fits `width` px, and its font scale."""
    room = max(1, width - 2 * MARGIN)
    for text in texts:
        s = scale
        while s >= MIN_SCALE:
            if cv2.getTextSize(text, FONT, s, 1)[0][0] <= room:
                return text, s
            s = round(s - 0.05, 2)
    text = texts[-1]
    while len(text) > 1 and cv2.getTextSize(text, FONT, MIN_SCALE, 1)[0][0] > room:
        text = text[:-1]
    return text, MIN_SCALE


def draw_label(img: np.ndarray, texts, scale: float) -> np.ndarray:
    """Writes the label that fits in the top-left corner, white on a black outline, in place."""
    text, s = fit_label([texts] if isinstance(texts, str) else list(texts), img.shape[1], scale)
    y = MARGIN + cv2.getTextSize(text, FONT, s, 1)[0][1] + 2
    cv2.putText(img, text, (MARGIN, y), FONT, s, 0, 3, cv2.LINE_AA)
    cv2.putText(img, text, (MARGIN, y), FONT, s, 255, 1, cv2.LINE_AA)
    return img
