// The parts of OHIF 3.13 and Cornerstone3D 5.6 this extension uses, typed by hand: the prebuilt
// OHIF ships no type declarations, and its packages cannot be installed from npm here. Only
// what we call is declared, so a change upstream shows up as a compile error in one place.

export type Unsubscribe = () => void;

export interface PubSub {
  subscribe(event: string, callback: (payload: any) => void): { unsubscribe: Unsubscribe };
}

/** A naturalized DICOM instance as OHIF's DicomMetadataStore keeps it (keywords, arrays for sequences). */
export type InstanceMetadata = Record<string, unknown> & {
  SOPInstanceUID?: string;
  SeriesInstanceUID?: string;
  imageId?: string;
};

export interface DisplaySet {
  displaySetInstanceUID: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  SeriesNumber?: number | string;
  SeriesDescription?: string;
  Modality?: string;
  instances?: InstanceMetadata[];
  instance?: InstanceMetadata;
  images?: InstanceMetadata[];
  imageIds?: string[];
  unsupported?: boolean;
}

export interface ViewportGridState {
  activeViewportId: string | null;
  viewports: Map<string, { viewportId: string; displaySetInstanceUIDs: string[] }>;
}

export interface Services {
  displaySetService: PubSub & {
    EVENTS: Record<string, string>;
    getActiveDisplaySets(): DisplaySet[];
    getDisplaySetByUID(uid: string): DisplaySet | undefined;
  };
  viewportGridService: PubSub & {
    EVENTS: Record<string, string>;
    getState(): ViewportGridState;
    setActiveViewportId(id: string): void;
    setDisplaySetsForViewports(updates: { viewportId: string; displaySetInstanceUIDs: string[] }[]): void;
  };
  cornerstoneViewportService: PubSub & {
    EVENTS: Record<string, string>;
    getCornerstoneViewport(viewportId: string): StackViewport | undefined;
    getRenderingEngine(): unknown;
  };
  hangingProtocolService: PubSub & {
    EVENTS: Record<string, string>;
    addCustomAttribute(id: string, name: string, callback: (displaySet: DisplaySet, options?: { displaySets?: DisplaySet[] }) => unknown): void;
  };
  customizationService: {
    setCustomizations(customizations: Record<string, unknown>): void;
  };
  uiNotificationService: {
    show(options: { title: string; message: string; type?: 'info' | 'success' | 'warning' | 'error'; duration?: number }): void;
  };
  toolbarService?: unknown;
}

export interface ServicesManager {
  services: Services;
}

export interface CommandsManager {
  runCommand(name: string, options?: Record<string, unknown>, context?: string): unknown;
}

export interface ExtensionManager {
  getModuleEntry(id: string): any;
  getActiveDataSource?(): { getImageIdsForDisplaySet?(ds: DisplaySet): string[] }[];
}

export interface AppConfig {
  sharpxr?: { apiRoot?: string };
  [key: string]: unknown;
}

export interface ExtensionParams {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
  extensionManager: ExtensionManager;
  appConfig?: AppConfig;
}

// ---- Cornerstone3D (the subset we drive) ----

export interface VoiRange {
  lower: number;
  upper: number;
}

export interface Camera {
  [key: string]: unknown;
}

export interface StackViewport {
  id: string;
  element: HTMLDivElement;
  canvas: HTMLCanvasElement;
  getCamera(): Camera;
  setCamera(camera: Camera): void;
  getProperties(): { voiRange?: VoiRange; invert?: boolean; colormap?: unknown; [k: string]: unknown };
  setProperties(properties: Record<string, unknown>): void;
  setStack(imageIds: string[], index?: number): Promise<string>;
  getCurrentImageId(): string | undefined;
  getImageIds(): string[];
  render(): void;
  resetCamera(options?: Record<string, unknown>): boolean;
}

export interface CornerstoneImage {
  imageId: string;
  rows: number;
  columns: number;
  columnPixelSpacing?: number;
  rowPixelSpacing?: number;
  getPixelData(): ArrayLike<number>;
  slope?: number;
  intercept?: number;
  photometricInterpretation?: string;
  preScale?: { scaled?: boolean; scalingParameters?: { rescaleSlope?: number; rescaleIntercept?: number } };
  voxelManager?: { getScalarData(): ArrayLike<number> };
  imageQualityStatus?: number;
}

export interface CornerstoneCore {
  Enums: { Events: Record<string, string>; ViewportType: Record<string, string>; ImageQualityStatus?: Record<string, number> };
  RenderingEngine: new (id: string) => RenderingEngine;
  getRenderingEngine(id: string): RenderingEngine | undefined;
  imageLoader: {
    loadAndCacheImage(imageId: string): Promise<CornerstoneImage>;
    createAndCacheLocalImage(imageId: string, options: Record<string, unknown>): CornerstoneImage;
    registerImageLoader(scheme: string, loader: (imageId: string) => { promise: Promise<CornerstoneImage> }): void;
  };
  cache: { getImage(imageId: string): CornerstoneImage | undefined; removeImageLoadObject(imageId: string): void };
  utilities: { colormap: { registerColormap(colormap: Record<string, unknown>): void } };
  metaData: {
    get(type: string, imageId: string): any;
    addProvider(provider: (type: string, imageId: string) => unknown, priority?: number): void;
  };
}

export interface RenderingEngine {
  id: string;
  enableElement(input: { viewportId: string; element: HTMLDivElement; type: string; defaultOptions?: Record<string, unknown> }): void;
  disableElement(viewportId: string): void;
  getViewport(viewportId: string): StackViewport | undefined;
  resize(immediate?: boolean, keepCamera?: boolean): void;
  destroy(): void;
}
